module

/-!
# Shared definitions for the obstacle library

Core Lean has no absolute value on `Rat`, so we define `ratAbs` and prove the
few facts the obstacle modules need (nonnegativity, triangle inequality,
multiplicativity).  We also collect small arithmetic helpers used to connect
the `Nat`-valued decision functions with statements over `Rat`.
-/

@[expose] public section

namespace Obstacles

/-- Absolute value of a rational number. -/
def ratAbs (x : Rat) : Rat := if 0 ≤ x then x else -x

theorem ratAbs_nonneg (x : Rat) : 0 ≤ ratAbs x := by
  unfold ratAbs; split <;> grind

theorem ratAbs_of_nonneg {x : Rat} (h : 0 ≤ x) : ratAbs x = x := by
  unfold ratAbs; simp [h]

theorem ratAbs_add_le (x y : Rat) : ratAbs (x + y) ≤ ratAbs x + ratAbs y := by
  unfold ratAbs; split <;> (try split) <;> (try split) <;> grind

theorem ratAbs_of_nonpos {x : Rat} (h : x ≤ 0) : ratAbs x = -x := by
  unfold ratAbs; split <;> grind

theorem ratAbs_mul (x y : Rat) : ratAbs (x * y) = ratAbs x * ratAbs y := by
  rcases (Rat.le_total : (0 : Rat) ≤ x ∨ x ≤ 0) with hx | hx <;>
    rcases (Rat.le_total : (0 : Rat) ≤ y ∨ y ≤ 0) with hy | hy
  · rw [ratAbs_of_nonneg hx, ratAbs_of_nonneg hy, ratAbs_of_nonneg (Rat.mul_nonneg hx hy)]
  · have := Rat.mul_nonneg hx (show 0 ≤ -y by grind)
    rw [ratAbs_of_nonneg hx, ratAbs_of_nonpos hy, ratAbs_of_nonpos (show x * y ≤ 0 by grind)]
    grind
  · have := Rat.mul_nonneg (show 0 ≤ -x by grind) hy
    rw [ratAbs_of_nonpos hx, ratAbs_of_nonneg hy, ratAbs_of_nonpos (show x * y ≤ 0 by grind)]
    grind
  · have := Rat.mul_nonneg (show 0 ≤ -x by grind) (show 0 ≤ -y by grind)
    rw [ratAbs_of_nonpos hx, ratAbs_of_nonpos hy, ratAbs_of_nonneg (show 0 ≤ x * y by grind)]
    grind

theorem ratAbs_sub_comm (x y : Rat) : ratAbs (x - y) = ratAbs (y - x) := by
  unfold ratAbs; split <;> (try split) <;> grind

theorem ratAbs_one : ratAbs 1 = 1 := ratAbs_of_nonneg (by decide)

theorem ratAbs_zero : ratAbs 0 = 0 := ratAbs_of_nonneg (by decide)

theorem mul_self_nonneg_rat (x : Rat) : 0 ≤ x * x := by
  rcases (Rat.le_total : (0 : Rat) ≤ x ∨ x ≤ 0) with hx | hx
  · exact Rat.mul_nonneg hx hx
  · have := Rat.mul_nonneg (show 0 ≤ -x by grind) (show 0 ≤ -x by grind)
    grind

theorem mul_pow_rat (a b : Rat) (n : Nat) : (a * b) ^ n = a ^ n * b ^ n := by
  induction n with
  | zero => simp
  | succ n ih => rw [Rat.pow_succ, Rat.pow_succ, Rat.pow_succ, ih]; grind

theorem one_le_one_add_pow {a : Rat} (h : 0 ≤ a) (n : Nat) : 1 ≤ (1 + a) ^ n := by
  induction n with
  | zero => rw [Rat.pow_zero]; grind
  | succ n ih =>
    rw [Rat.pow_succ]
    have := Rat.mul_nonneg (show (0 : Rat) ≤ (1 + a) ^ n by grind) h
    grind

theorem natCast_pos_rat {n : Nat} (h : 0 < n) : (0 : Rat) < n := Rat.natCast_pos.mpr h

/-- Comparing two fractions of naturals over `Rat` is cross-multiplication. -/
theorem natFrac_lt_natFrac_iff {a b c d : Nat} (hb : 0 < b) (hd : 0 < d) :
    (a : Rat) / b < (c : Rat) / d ↔ a * d < c * b := by
  have hb' := natCast_pos_rat hb
  have hd' := natCast_pos_rat hd
  have e : (a : Rat) / b * d = ((a : Rat) * d) / b := by grind
  rw [Rat.lt_div_iff hd', e, Rat.div_lt_iff hb', ← Rat.natCast_mul, ← Rat.natCast_mul,
    Rat.natCast_lt_natCast]

/-- `ne` on naturals in boolean form, as used by the decision functions. -/
theorem bne_zero_iff (n : Nat) : (n != 0) = true ↔ 0 < n := by
  simp; omega

end Obstacles

end
