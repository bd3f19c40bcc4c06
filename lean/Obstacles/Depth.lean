module

public import Obstacles.Basic

/-!
# Class L: depth composition

A depth-`L` gate is modelled as a list of `L` scalar layers.  Layer `i` has an
exact gain `aᵢ` and a compressed gain `bᵢ` with relative error
`|bᵢ - aᵢ| ≤ ε·|aᵢ|`.  The composed gate multiplies the gains, so the composed
relative error is `|∏ bᵢ - ∏ aᵢ| / |∏ aᵢ|`.

We prove that this composed error never exceeds `(1+ε)^L - 1`, that the bound
is attained (`aᵢ = 1`, `bᵢ = 1+ε`), and hence that some realisation with
per-layer error `ε` exceeds tolerance `τ` exactly when `(1+ε)^L > 1+τ`.
`depthKills` decides this inequality on naturals.
-/

@[expose] public section

namespace Obstacles

/-- A layer is a pair `(exact gain, compressed gain)`. -/
abbrev Layer := Rat × Rat

/-- Product of the exact gains of a stack of layers. -/
def exactGain : List Layer → Rat
  | [] => 1
  | p :: ps => p.1 * exactGain ps

/-- Product of the compressed gains of a stack of layers. -/
def compressedGain : List Layer → Rat
  | [] => 1
  | p :: ps => p.2 * compressedGain ps

/-- A layer whose compressed gain has relative error at most `ε`:
`|b - a| ≤ ε·|a|`. -/
def LayerWithin (ε : Rat) (p : Layer) : Prop :=
  ratAbs (p.2 - p.1) ≤ ε * ratAbs p.1

/-- Composed relative error `|∏ b - ∏ a| / |∏ a|` of a stack of layers
(`0` when `∏ a = 0`, following `x / 0 = 0` on `Rat`). -/
def composedRelErr (ls : List Layer) : Rat :=
  ratAbs (compressedGain ls - exactGain ls) / ratAbs (exactGain ls)

/-- Decision function for class L.  With per-layer error `ε = en/ed` and
tolerance `τ = tn/td`, returns `true` exactly when `(1+ε)^L - 1 > τ`, checked
root-free on naturals as `(ed + en)^L * td > (td + tn) * ed^L`.  Returns
`false` when a denominator is `0`. -/
def depthKills (L en ed tn td : Nat) : Bool :=
  ed != 0 && td != 0 && decide ((td + tn) * ed ^ L < (ed + en) ^ L * td)

/-- Upper bound, multiplied out: composing layers that each have relative
error at most `ε` gives `|∏ b - ∏ a| ≤ ((1+ε)^L - 1)·|∏ a|`. -/
theorem composed_error_le {ε : Rat} (hε : 0 ≤ ε) :
    ∀ (ls : List Layer), (∀ p ∈ ls, LayerWithin ε p) →
      ratAbs (compressedGain ls - exactGain ls)
        ≤ ((1 + ε) ^ ls.length - 1) * ratAbs (exactGain ls)
  | [], _ => by
    simp only [compressedGain, exactGain, List.length_nil, Rat.pow_zero]
    rw [show (1 : Rat) - 1 = 0 by grind, ratAbs_zero, ratAbs_one]; grind
  | p :: ps, h => by
    have ih := composed_error_le hε ps (fun q hq => h q (List.mem_cons_of_mem _ hq))
    have hp : LayerWithin ε p := h p List.mem_cons_self
    unfold LayerWithin at hp
    simp only [compressedGain, exactGain, List.length_cons]
    rw [Rat.pow_succ]
    generalize (1 + ε) ^ ps.length = P at *
    generalize exactGain ps = A at *
    generalize compressedGain ps = B at *
    obtain ⟨a, b⟩ := p
    simp only at hp ⊢
    -- b*B - a*A = (b - a)*B + a*(B - A)
    have split : b * B - a * A = (b - a) * B + a * (B - A) := by grind
    rw [split]
    have t1 := ratAbs_add_le ((b - a) * B) (a * (B - A))
    rw [ratAbs_mul, ratAbs_mul] at t1
    rw [ratAbs_mul]
    -- |B| ≤ P·|A|
    have hB : ratAbs B ≤ P * ratAbs A := by
      have := ratAbs_add_le A (B - A)
      rw [show A + (B - A) = B by grind] at this
      grind
    have hA0 := ratAbs_nonneg A
    have ha0 := ratAbs_nonneg a
    have hB0 := ratAbs_nonneg B
    have hεa : 0 ≤ ε * ratAbs a := Rat.mul_nonneg hε ha0
    -- |b - a|·|B| ≤ ε|a|·P|A|
    have s1 : ratAbs (b - a) * ratAbs B ≤ ε * ratAbs a * ratAbs B :=
      Rat.mul_le_mul_of_nonneg_right hp hB0
    have s2 : ε * ratAbs a * ratAbs B ≤ ε * ratAbs a * (P * ratAbs A) :=
      Rat.mul_le_mul_of_nonneg_left hB hεa
    -- |a|·|B - A| ≤ |a|·(P - 1)|A|
    have s3 : ratAbs a * ratAbs (B - A) ≤ ratAbs a * ((P - 1) * ratAbs A) :=
      Rat.mul_le_mul_of_nonneg_left ih ha0
    grind

/-- Attainment: the realisation with exact gains `1` and compressed gains
`1+ε` has product of exact gains `1`. -/
theorem exactGain_replicate (ε : Rat) (L : Nat) :
    exactGain (List.replicate L (1, 1 + ε)) = 1 := by
  induction L with
  | zero => rfl
  | succ n ih => simp only [List.replicate_succ, exactGain, ih]; grind

theorem compressedGain_replicate (ε : Rat) (L : Nat) :
    compressedGain (List.replicate L (1, 1 + ε)) = (1 + ε) ^ L := by
  induction L with
  | zero => show compressedGain [] = (1 + ε) ^ 0; rw [Rat.pow_zero]; rfl
  | succ n ih => simp only [List.replicate_succ, compressedGain, ih]; rw [Rat.pow_succ]; grind

/-- Composing layers with relative error at most `ε` never gives composed
relative error above `(1+ε)^L - 1`. -/
theorem composedRelErr_le {ε : Rat} (hε : 0 ≤ ε) (ls : List Layer)
    (h : ∀ p ∈ ls, LayerWithin ε p) :
    composedRelErr ls ≤ (1 + ε) ^ ls.length - 1 := by
  have hb := composed_error_le hε ls h
  have hpow := one_le_one_add_pow hε ls.length
  unfold composedRelErr
  generalize (1 + ε) ^ ls.length = P at *
  generalize ratAbs (compressedGain ls - exactGain ls) = N at *
  have hA0 := ratAbs_nonneg (exactGain ls)
  generalize ratAbs (exactGain ls) = D at *
  rcases (Rat.le_total : D ≤ 0 ∨ 0 ≤ D) with hD | hD
  · have : D = 0 := by grind
    subst this
    rw [Rat.div_def, Rat.inv_zero, Rat.mul_zero]; grind
  · by_cases hD' : D = 0
    · subst hD'; rw [Rat.div_def, Rat.inv_zero, Rat.mul_zero]; grind
    · have hpos : 0 < D := by grind
      by_cases hlt : P - 1 < N / D
      · rw [Rat.lt_div_iff hpos] at hlt; grind
      · grind

/-- Attainment: the realisation `aᵢ = 1`, `bᵢ = 1+ε` (each layer has relative
error exactly `ε`) has composed relative error exactly `(1+ε)^L - 1`. -/
theorem composedRelErr_replicate {ε : Rat} (hε : 0 ≤ ε) (L : Nat) :
    composedRelErr (List.replicate L (1, 1 + ε)) = (1 + ε) ^ L - 1 := by
  unfold composedRelErr
  rw [exactGain_replicate, compressedGain_replicate, ratAbs_one,
    ratAbs_of_nonneg (by have := one_le_one_add_pow hε L; grind)]
  rw [Rat.div_def]; grind

theorem layerWithin_replicate {ε : Rat} (hε : 0 ≤ ε) (L : Nat) :
    ∀ p ∈ List.replicate L ((1 : Rat), 1 + ε), LayerWithin ε p := by
  intro p hp
  rw [List.eq_of_mem_replicate hp]
  unfold LayerWithin
  simp only
  rw [show (1 : Rat) + ε - 1 = ε by grind, ratAbs_of_nonneg hε, ratAbs_one, Rat.mul_one]
  grind

/-- **Gate theorem, class L (depth composition).**  Kills a compression plan
whose per-layer relative error `ε ≥ 0`, composed over `L` layers, can exceed
the end-to-end tolerance `τ`: some stack of `L` layers, each with relative
error at most `ε`, has composed relative error above `τ` if and only if
`(1+ε)^L > 1 + τ`.  This is the root-free form of `ε > (1+τ)^(1/L) - 1`. -/
theorem kills_iff_pow_exceeds {ε : Rat} (hε : 0 ≤ ε) (τ : Rat) (L : Nat) :
    (∃ ls : List Layer, ls.length = L ∧ (∀ p ∈ ls, LayerWithin ε p) ∧
        τ < composedRelErr ls) ↔
      1 + τ < (1 + ε) ^ L := by
  constructor
  · rintro ⟨ls, hlen, hls, hτ⟩
    have := composedRelErr_le hε ls hls
    rw [hlen] at this
    grind
  · intro h
    refine ⟨List.replicate L (1, 1 + ε), List.length_replicate, layerWithin_replicate hε L, ?_⟩
    rw [composedRelErr_replicate hε L]
    grind

/-- **Decision theorem, class L.**  `depthKills` returns `true` exactly when
`(1 + en/ed)^L > 1 + tn/td` over `Rat` (for nonzero denominators). -/
theorem depthKills_iff (L en ed tn td : Nat) (hed : 0 < ed) (htd : 0 < td) :
    depthKills L en ed tn td = true ↔
      1 + (tn : Rat) / td < (1 + (en : Rat) / ed) ^ L := by
  have hed' := natCast_pos_rat hed
  have htd' := natCast_pos_rat htd
  have hX : (1 + (en : Rat) / ed) ^ L * (ed : Rat) ^ L = ((ed : Rat) + en) ^ L := by
    rw [← mul_pow_rat]
    congr 1
    grind
  have hY : (1 + (tn : Rat) / td) * td = (td : Rat) + tn := by grind
  have hD : (0 : Rat) < (ed : Rat) ^ L := Rat.pow_pos hed'
  have hTD : (0 : Rat) < (td : Rat) * (ed : Rat) ^ L := Rat.mul_pos htd' hD
  have hdec : depthKills L en ed tn td = true ↔ (td + tn) * ed ^ L < (ed + en) ^ L * td := by
    unfold depthKills
    simp only [Bool.and_eq_true, bne_zero_iff, decide_eq_true_eq]
    omega
  rw [hdec, ← Rat.natCast_lt_natCast, Rat.natCast_mul, Rat.natCast_mul, Rat.natCast_pow,
    Rat.natCast_pow, Rat.natCast_add, Rat.natCast_add]
  rw [← hX, ← hY]
  generalize (1 + (en : Rat) / ed) ^ L = X at *
  generalize 1 + (tn : Rat) / td = Y at *
  generalize (ed : Rat) ^ L = D at *
  have e1 : Y * td * D = Y * (td * D) := by grind
  have e2 : X * D * td = X * (td * D) := by grind
  rw [e1, e2]
  exact Rat.mul_lt_mul_right hTD

/-- **Soundness, class L.**  If `depthKills` says `true`, the obstacle holds:
there is a stack of `L` layers, each with relative error at most `en/ed`, whose
composed relative error exceeds the tolerance `tn/td`. -/
theorem depthKills_sound {L en ed tn td : Nat} (h : depthKills L en ed tn td = true) :
    ∃ ls : List Layer, ls.length = L ∧ (∀ p ∈ ls, LayerWithin ((en : Rat) / ed) p) ∧
      (tn : Rat) / td < composedRelErr ls := by
  have hed : 0 < ed := by
    unfold depthKills at h; simp only [Bool.and_eq_true, bne_zero_iff] at h; exact h.1.1
  have htd : 0 < td := by
    unfold depthKills at h; simp only [Bool.and_eq_true, bne_zero_iff] at h; exact h.1.2
  have hε : (0 : Rat) ≤ (en : Rat) / ed := by
    rw [Rat.div_def]
    exact Rat.mul_nonneg (Rat.natCast_nonneg) (Rat.le_of_lt (Rat.inv_pos.mpr (natCast_pos_rat hed)))
  exact (kills_iff_pow_exceeds hε _ L).mpr ((depthKills_iff L en ed tn td hed htd).mp h)

/-! Concrete checks (also mirrored by the Python differential test). -/

example : depthKills 16 1 20 1 20 = true := by decide
-- (1.1)^3 - 1 = 0.331 exactly: the boundary is not a kill
example : depthKills 3 1 10 331 1000 = false := by decide
example : depthKills 3 1 10 330 1000 = true := by decide
example : depthKills 1 1 100 1 10 = false := by decide
example : depthKills 4 1 0 1 10 = false := by decide
example : depthKills 4 1 10 1 0 = false := by decide
example : depthKills 0 5 1 0 1 = false := by decide

end Obstacles

end
