module

public import Obstacles.Basic

/-!
# Class K: covector readout collapse

A scalar readout is a covector `w`.  Pruning keeps some coordinates and zeroes
the rest.  We represent the pruned readout as a list of coordinates
`(wᵢ, keptᵢ)`.  On the *aligned* input `x = w` the exact readout is
`⟨w, w⟩ = ‖w‖²` and the compressed readout only sees the kept coordinates, so
the readout loses exactly the energy carried by the pruned coordinates.  The
relative readout error on that input is therefore the pruned energy fraction
`ρ`, and a pruning plan with `ρ > τ` violates tolerance `τ`.
-/

@[expose] public section

namespace Obstacles

/-- One readout coordinate: its weight and whether pruning keeps it. -/
abbrev Coord := Rat × Bool

/-- Exact readout `⟨w, x⟩`. -/
def exactReadout : List Coord → List Rat → Rat
  | (w, _) :: cs, x :: xs => w * x + exactReadout cs xs
  | _, _ => 0

/-- Compressed readout: only kept coordinates contribute. -/
def compressedReadout : List Coord → List Rat → Rat
  | (w, k) :: cs, x :: xs => (if k then w * x else 0) + compressedReadout cs xs
  | _, _ => 0

/-- The input aligned with the readout covector: `x = w`. -/
def alignedInput : List Coord → List Rat
  | [] => []
  | (w, _) :: cs => w :: alignedInput cs

/-- Total readout energy `‖w‖² = Σ wᵢ²`. -/
def totalEnergy : List Coord → Rat
  | [] => 0
  | (w, _) :: cs => w * w + totalEnergy cs

/-- Energy carried by the pruned coordinates, `Σ_{pruned} wᵢ²`. -/
def prunedEnergy : List Coord → Rat
  | [] => 0
  | (w, k) :: cs => (if k then 0 else w * w) + prunedEnergy cs

/-- Fraction `ρ` of the readout energy carried by pruned coordinates. -/
def prunedFraction (cs : List Coord) : Rat := prunedEnergy cs / totalEnergy cs

/-- Relative readout error `|⟨w,x⟩ - ⟨w,x⟩_kept| / |⟨w,x⟩|` on input `x`. -/
def readoutRelErr (cs : List Coord) (x : List Rat) : Rat :=
  ratAbs (exactReadout cs x - compressedReadout cs x) / ratAbs (exactReadout cs x)

/-- Decision function for class K.  With pruned readout energy fraction
`ρ = rn/rd` and tolerance `τ = tn/td`, returns `true` exactly when `ρ > τ`,
checked on naturals as `rn * td > tn * rd`.  Returns `false` when a
denominator is `0`. -/
def readoutKills (rn rd tn td : Nat) : Bool :=
  rd != 0 && td != 0 && decide (tn * rd < rn * td)

theorem exactReadout_aligned (cs : List Coord) :
    exactReadout cs (alignedInput cs) = totalEnergy cs := by
  induction cs with
  | nil => rfl
  | cons c cs ih =>
    obtain ⟨w, k⟩ := c
    simp only [alignedInput, exactReadout, totalEnergy, ih]

theorem readout_loss_aligned (cs : List Coord) :
    exactReadout cs (alignedInput cs) - compressedReadout cs (alignedInput cs)
      = prunedEnergy cs := by
  induction cs with
  | nil => show (0 : Rat) - 0 = 0; grind
  | cons c cs ih =>
    obtain ⟨w, k⟩ := c
    simp only [alignedInput, exactReadout, compressedReadout, prunedEnergy]
    cases k <;> simp only [Bool.false_eq_true, if_true, if_false] <;> grind

theorem totalEnergy_nonneg (cs : List Coord) : 0 ≤ totalEnergy cs := by
  induction cs with
  | nil => show (0 : Rat) ≤ 0; grind
  | cons c cs ih =>
    obtain ⟨w, k⟩ := c
    simp only [totalEnergy]
    have := mul_self_nonneg_rat w
    grind

theorem prunedEnergy_nonneg (cs : List Coord) : 0 ≤ prunedEnergy cs := by
  induction cs with
  | nil => show (0 : Rat) ≤ 0; grind
  | cons c cs ih =>
    obtain ⟨w, k⟩ := c
    simp only [prunedEnergy]
    have := mul_self_nonneg_rat w
    cases k <;> simp only [Bool.false_eq_true, if_true, if_false] <;> grind

/-- On the aligned input `x = w` the relative readout error equals the pruned
energy fraction `ρ` exactly. -/
theorem readoutRelErr_aligned (cs : List Coord) :
    readoutRelErr cs (alignedInput cs) = prunedFraction cs := by
  unfold readoutRelErr prunedFraction
  rw [readout_loss_aligned, exactReadout_aligned,
    ratAbs_of_nonneg (prunedEnergy_nonneg cs), ratAbs_of_nonneg (totalEnergy_nonneg cs)]

/-- **Gate theorem, class K (covector readout collapse).**  Kills a pruning
plan whose pruned coordinates carry a fraction `ρ` of the readout covector's
energy with `ρ > τ`: on the input aligned with the readout covector, the
relative readout error is (exactly) `ρ`, so it exceeds the tolerance `τ`. -/
theorem readout_collapse (cs : List Coord) (τ : Rat) (h : τ < prunedFraction cs) :
    τ < readoutRelErr cs (alignedInput cs) := by
  rw [readoutRelErr_aligned]; exact h

/-- **Decision theorem, class K.**  `readoutKills` returns `true` exactly when
`rn/rd > tn/td` over `Rat` (for nonzero denominators). -/
theorem readoutKills_iff (rn rd tn td : Nat) (hrd : 0 < rd) (htd : 0 < td) :
    readoutKills rn rd tn td = true ↔ (tn : Rat) / td < (rn : Rat) / rd := by
  rw [natFrac_lt_natFrac_iff htd hrd]
  unfold readoutKills
  simp only [Bool.and_eq_true, bne_zero_iff, decide_eq_true_eq]
  constructor
  · intro h; exact h.2
  · intro h; exact ⟨⟨hrd, htd⟩, h⟩

/-- **Soundness, class K.**  If `readoutKills` says `true`, then every pruned
readout whose pruned energy fraction is `rn/rd` has relative readout error
above `tn/td` on its aligned input. -/
theorem readoutKills_sound {rn rd tn td : Nat} (h : readoutKills rn rd tn td = true)
    (cs : List Coord) (hρ : prunedFraction cs = (rn : Rat) / rd) :
    (tn : Rat) / td < readoutRelErr cs (alignedInput cs) := by
  have hrd : 0 < rd := by
    unfold readoutKills at h; simp only [Bool.and_eq_true, bne_zero_iff] at h; exact h.1.1
  have htd : 0 < td := by
    unfold readoutKills at h; simp only [Bool.and_eq_true, bne_zero_iff] at h; exact h.1.2
  apply readout_collapse
  rw [hρ]
  exact (readoutKills_iff rn rd tn td hrd htd).mp h

/-! Concrete checks. -/

example : readoutKills 3 10 1 5 = true := by decide
-- boundary: ρ = τ = 1/5 is not a kill
example : readoutKills 1 5 2 10 = false := by decide
example : readoutKills 1 100 1 10 = false := by decide
example : readoutKills 1 0 1 10 = false := by decide
example : readoutKills 1 2 1 0 = false := by decide

end Obstacles

end
