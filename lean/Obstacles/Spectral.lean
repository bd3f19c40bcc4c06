module

public import Obstacles.Basic

/-!
# Class S: spectral floor

A weight matrix is summarised by its squared singular values `sᵢ` (its
spectral energies).  A rank-`r` compression keeps at most `r` of them; we
represent the plan as a list of entries `(sᵢ, keptᵢ)`.

**Modelling assumption (Eckart–Young, not proved here):** the relative squared
(Frobenius) error of the compressed matrix is the energy of the dropped values
divided by the total energy, `Σ_{dropped} sᵢ / Σ sᵢ`.  For the truncated SVD
this is exactly the Eckart–Young–Mirsky theorem; we take it as the error model.

With `s₁` the largest squared singular value, the stable rank is
`srank = Σ sᵢ / s₁`.  Any `r` kept values sum to at most `r·s₁`, so the error
is at least `1 - r·s₁/Σ sᵢ = 1 - r/srank`.
-/

@[expose] public section

namespace Obstacles

/-- A spectral entry: a squared singular value and whether the compression keeps it. -/
abbrev SpectralEntry := Rat × Bool

/-- Total spectral energy `Σ sᵢ` (squared Frobenius norm). -/
def spectralEnergy : List SpectralEntry → Rat
  | [] => 0
  | (s, _) :: ss => s + spectralEnergy ss

/-- Energy of the kept values. -/
def keptEnergy : List SpectralEntry → Rat
  | [] => 0
  | (s, k) :: ss => (if k then s else 0) + keptEnergy ss

/-- Energy of the dropped values. -/
def droppedEnergy : List SpectralEntry → Rat
  | [] => 0
  | (s, k) :: ss => (if k then 0 else s) + droppedEnergy ss

/-- Number of kept values (the rank of the compression). -/
def keptCount : List SpectralEntry → Nat
  | [] => 0
  | (_, k) :: ss => (if k then 1 else 0) + keptCount ss

/-- Stable rank `Σ sᵢ / s₁`, where `s₁` is the largest squared singular value. -/
def stableRank (ss : List SpectralEntry) (s₁ : Rat) : Rat := spectralEnergy ss / s₁

/-- Relative squared error of the compression, modelled (Eckart–Young) as the
dropped energy over the total energy. -/
def spectralRelErr (ss : List SpectralEntry) : Rat := droppedEnergy ss / spectralEnergy ss

/-- Decision function for class S.  With rank `r`, stable rank `srank = sn/sd`
and tolerance `τ = tn/td` on the relative squared error, returns `true`
exactly when `1 - r/srank > τ`, checked on naturals as
`sn * td > r * sd * td + tn * sn`.  Returns `false` when `sd`, `td` or `sn`
is `0`. -/
def spectralKills (r sn sd tn td : Nat) : Bool :=
  sd != 0 && td != 0 && sn != 0 && decide (r * sd * td + tn * sn < sn * td)

theorem droppedEnergy_eq (ss : List SpectralEntry) :
    droppedEnergy ss = spectralEnergy ss - keptEnergy ss := by
  induction ss with
  | nil => show (0 : Rat) = 0 - 0; grind
  | cons e ss ih =>
    obtain ⟨s, k⟩ := e
    simp only [droppedEnergy, spectralEnergy, keptEnergy]
    cases k <;> simp only [Bool.false_eq_true, if_true, if_false] <;> grind

/-- Any `c` values, each at most `s₁`, sum to at most `c·s₁`. -/
theorem keptEnergy_le (ss : List SpectralEntry) (s₁ : Rat) (h : ∀ e ∈ ss, e.1 ≤ s₁) :
    keptEnergy ss ≤ (keptCount ss : Rat) * s₁ := by
  induction ss with
  | nil =>
    show (0 : Rat) ≤ ((0 : Nat) : Rat) * s₁
    push_cast; grind
  | cons e ss ih =>
    obtain ⟨s, k⟩ := e
    have hs : s ≤ s₁ := h (s, k) List.mem_cons_self
    have ih := ih (fun e he => h e (List.mem_cons_of_mem _ he))
    simp only [keptEnergy, keptCount]
    cases k <;> simp only [Bool.false_eq_true, if_true, if_false] <;> push_cast <;> grind

theorem div_div_eq_mul_div' (a b c : Rat) (hb : b ≠ 0) (hc : c ≠ 0) :
    a / (b / c) = a * c / b := by
  grind

/-- **Gate theorem, class S (spectral floor).**  Kills a rank-`r` compression
of a matrix whose stable rank is too high: if every squared singular value is
at most `s₁ > 0`, the total energy is positive and at most `r` values are
kept, then the relative squared error (dropped energy over total energy, the
Eckart–Young error model) is at least `1 - r / srank`, where
`srank = Σ sᵢ / s₁`. -/
theorem spectral_floor (ss : List SpectralEntry) (s₁ : Rat) (hs₁ : 0 < s₁)
    (hmax : ∀ e ∈ ss, e.1 ≤ s₁) (hE : 0 < spectralEnergy ss) (r : Nat)
    (hr : keptCount ss ≤ r) :
    1 - (r : Rat) / stableRank ss s₁ ≤ spectralRelErr ss := by
  have hK := keptEnergy_le ss s₁ hmax
  have hcr : (keptCount ss : Rat) * s₁ ≤ (r : Rat) * s₁ :=
    Rat.mul_le_mul_of_nonneg_right (Rat.natCast_le_natCast.mpr hr) (Rat.le_of_lt hs₁)
  unfold stableRank spectralRelErr
  rw [droppedEnergy_eq]
  generalize spectralEnergy ss = T at *
  generalize keptEnergy ss = K at *
  have hT0 : T ≠ 0 := by grind
  have hs0 : s₁ ≠ 0 := by grind
  rw [div_div_eq_mul_div' _ _ _ hT0 hs0, Rat.div_def, Rat.div_def]
  have hTi : 0 ≤ T⁻¹ := Rat.le_of_lt (Rat.inv_pos.mpr hE)
  have hTT : T * T⁻¹ = 1 := Rat.mul_inv_cancel T hT0
  have : K * T⁻¹ ≤ (r : Rat) * s₁ * T⁻¹ := Rat.mul_le_mul_of_nonneg_right (by grind) hTi
  grind

/-- Gate corollary, class S: if `1 - r/srank > τ`, every compression keeping
at most `r` values has relative squared error above `τ`. -/
theorem spectral_floor_gt (ss : List SpectralEntry) (s₁ : Rat) (hs₁ : 0 < s₁)
    (hmax : ∀ e ∈ ss, e.1 ≤ s₁) (hE : 0 < spectralEnergy ss) (r : Nat)
    (hr : keptCount ss ≤ r) (τ : Rat) (hτ : τ < 1 - (r : Rat) / stableRank ss s₁) :
    τ < spectralRelErr ss := by
  have := spectral_floor ss s₁ hs₁ hmax hE r hr
  grind

/-- **Decision theorem, class S.**  `spectralKills` returns `true` exactly when
`1 - r / (sn/sd) > tn/td` over `Rat` (for nonzero `sn`, `sd`, `td`). -/
theorem spectralKills_iff (r sn sd tn td : Nat) (hsn : 0 < sn) (hsd : 0 < sd) (htd : 0 < td) :
    spectralKills r sn sd tn td = true ↔
      (tn : Rat) / td < 1 - (r : Rat) / ((sn : Rat) / sd) := by
  have hsn' := natCast_pos_rat hsn
  have hsd' := natCast_pos_rat hsd
  have htd' := natCast_pos_rat htd
  have hc : (0 : Rat) < (td : Rat) * sn := Rat.mul_pos htd' hsn'
  rw [div_div_eq_mul_div' _ _ _ (by grind) (by grind)]
  rw [show ((tn : Rat) / td < 1 - (r : Rat) * sd / sn) ↔
      ((tn : Rat) / td * (td * sn) < (1 - (r : Rat) * sd / sn) * (td * sn)) from
      (Rat.mul_lt_mul_right hc).symm]
  have e1 : (tn : Rat) / td * (td * sn) = tn * sn := by grind
  have e2 : (1 - (r : Rat) * sd / sn) * (td * sn) = sn * td - r * sd * td := by grind
  rw [e1, e2]
  unfold spectralKills
  simp only [Bool.and_eq_true, bne_zero_iff, decide_eq_true_eq]
  constructor
  · intro h
    have := Rat.natCast_lt_natCast.mpr h.2
    push_cast at this
    grind
  · intro h
    refine ⟨⟨⟨hsd, htd⟩, hsn⟩, ?_⟩
    apply Rat.natCast_lt_natCast.mp
    push_cast
    grind

/-- **Soundness, class S.**  If `spectralKills` says `true`, every compression
that keeps at most `r` values of a spectrum with stable rank `sn/sd` has
relative squared error (Eckart–Young model) above `tn/td`. -/
theorem spectralKills_sound {r sn sd tn td : Nat} (h : spectralKills r sn sd tn td = true)
    (ss : List SpectralEntry) (s₁ : Rat) (hs₁ : 0 < s₁) (hmax : ∀ e ∈ ss, e.1 ≤ s₁)
    (hE : 0 < spectralEnergy ss) (hsr : stableRank ss s₁ = (sn : Rat) / sd)
    (hr : keptCount ss ≤ r) :
    (tn : Rat) / td < spectralRelErr ss := by
  have h' := h
  unfold spectralKills at h'
  simp only [Bool.and_eq_true, bne_zero_iff] at h'
  have key := (spectralKills_iff r sn sd tn td h'.1.2 h'.1.1.1 h'.1.1.2).mp h
  rw [← hsr] at key
  exact spectral_floor_gt ss s₁ hs₁ hmax hE r hr _ key

/-! Concrete checks. -/

-- rank 2, stable rank 10: floor 0.8 > 0.5
example : spectralKills 2 10 1 1 2 = true := by decide
-- boundary: floor 0.8 = τ is not a kill
example : spectralKills 2 10 1 4 5 = false := by decide
example : spectralKills 2 10 1 79 100 = true := by decide
-- rank at least the stable rank: no floor
example : spectralKills 10 10 1 0 1 = false := by decide
example : spectralKills 1 0 1 0 1 = false := by decide
example : spectralKills 1 10 0 0 1 = false := by decide

end Obstacles

end
