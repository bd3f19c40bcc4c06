module

public import Obstacles.Basic

/-!
# Class Q: quantisation resolution

The standard `b`-bit uniform quantiser on the range `[0, R]` has the `2^b`
levels `k·R/(2^b - 1)` for `k = 0, …, 2^b - 1` (both endpoints are levels).
Adjacent levels are `R/(2^b - 1)` apart, so the midpoint between the first two
levels is at distance `R/(2(2^b - 1))` from every level.  Whatever rounding
rule maps inputs to levels, the worst-case absolute error on `[0, R]` is
therefore at least `R/(2(2^b - 1))`.

**Modelling assumption:** the quantiser uses this uniform grid.  (For an
arbitrary set of `2^b` levels the bound `R/(2(2^b - 1))` is false; the best
arbitrary placement reaches `R/2^(b+1)`.)
-/

@[expose] public section

namespace Obstacles

/-- Level `k` of the `b`-bit uniform grid on `[0, R]`: `k·R/(2^b - 1)`. -/
def uniformLevel (b : Nat) (R : Rat) (k : Nat) : Rat := (k : Rat) * R / ((2 ^ b - 1 : Nat) : Rat)

/-- Decision function for class Q.  With `b` bits, range `R = rn/rd` and
allowed maximum absolute error `m = mn/md`, returns `true` exactly when
`R/(2(2^b - 1)) > m`, checked on naturals as `rn * md > 2 * (2^b - 1) * mn * rd`.
Returns `false` when `b = 0` or a denominator is `0`. -/
def quantKills (b rn rd mn md : Nat) : Bool :=
  b != 0 && rd != 0 && md != 0 && decide (2 * (2 ^ b - 1) * mn * rd < rn * md)

theorem one_le_two_pow_sub_one {b : Nat} (hb : 0 < b) : 1 ≤ 2 ^ b - 1 := by
  have h2 : 2 ^ 1 ≤ 2 ^ b := Nat.pow_le_pow_right (by decide) hb
  rw [Nat.pow_one] at h2
  omega

theorem one_le_steps_rat {b : Nat} (hb : 0 < b) : (1 : Rat) ≤ ((2 ^ b - 1 : Nat) : Rat) := by
  have h := Rat.natCast_le_natCast.mpr (one_le_two_pow_sub_one hb)
  first | exact h | (push_cast at h; exact h) | (simp at h; exact h) | simpa using h

/-- Every point of the uniform grid with spacing `h ≥ 0` (the points `k·h`) is
at distance at least `h/2` from the midpoint `h/2` of the first cell. -/
theorem half_le_dist_grid {h : Rat} (hh : 0 ≤ h) (k : Nat) :
    h / 2 ≤ ratAbs (h / 2 - (k : Rat) * h) := by
  cases k with
  | zero =>
    have : (((0 : Nat) : Rat)) * h = 0 := by first | (push_cast; grind) | (simp) | grind
    rw [this, show h / 2 - 0 = h / 2 by grind, ratAbs_of_nonneg (by grind)]
    grind
  | succ k =>
    have hk : (1 : Rat) * h ≤ ((k + 1 : Nat) : Rat) * h := by
      apply Rat.mul_le_mul_of_nonneg_right _ hh
      have := Rat.natCast_le_natCast.mpr (show 1 ≤ k + 1 by omega)
      first | exact this | (push_cast at this ⊢; exact this) | (simp at this ⊢; grind) | simpa using this
    rw [ratAbs_of_nonpos (by grind)]
    grind

/-- **Gate theorem, class Q (quantisation resolution).**  Kills a `b`-bit
uniform quantisation plan whose grid is too coarse for the allowed error: on
the range `[0, R]` there is an input `x` (the midpoint between the first two
levels) whose distance to every level `k·R/(2^b - 1)` of the `b`-bit uniform
grid is at least `R/(2(2^b - 1))`, so no rounding rule onto that grid achieves
a maximum absolute error below `R/(2(2^b - 1))`. -/
theorem quant_resolution (b : Nat) (hb : 0 < b) (R : Rat) (hR : 0 ≤ R) :
    ∃ x : Rat, 0 ≤ x ∧ x ≤ R ∧
      ∀ k : Nat, R / (2 * ((2 ^ b - 1 : Nat) : Rat)) ≤ ratAbs (x - uniformLevel b R k) := by
  have hN := one_le_steps_rat hb
  unfold uniformLevel
  generalize ((2 ^ b - 1 : Nat) : Rat) = N at *
  have hN0 : N ≠ 0 := by grind
  have hNpos : 0 < N := by grind
  -- grid spacing
  have hh : 0 ≤ R / N := by
    rw [Rat.div_def]; exact Rat.mul_nonneg hR (Rat.le_of_lt (Rat.inv_pos.mpr hNpos))
  have hRN : R / N * N = R := Rat.div_mul_cancel hN0
  have e1 : R / (2 * N) = R / N / 2 := by
    first
      | grind
      | (rw [Rat.div_def, Rat.div_def, Rat.div_def, Rat.inv_mul_rev]; grind)
  have e2 : ∀ k : Nat, (k : Rat) * R / N = (k : Rat) * (R / N) := by
    intro k; rw [Rat.div_def, Rat.div_def]; grind
  refine ⟨R / N / 2, by grind, ?_, ?_⟩
  · have := Rat.mul_nonneg hh (show 0 ≤ N - 1 by grind)
    grind
  · intro k
    rw [e1, e2]
    exact half_le_dist_grid hh k

/-- Gate corollary, class Q: if `R/(2(2^b - 1)) > m`, some input in `[0, R]`
is farther than `m` from every level of the `b`-bit uniform grid. -/
theorem quant_resolution_gt (b : Nat) (hb : 0 < b) (R : Rat) (hR : 0 ≤ R) (m : Rat)
    (hm : m < R / (2 * ((2 ^ b - 1 : Nat) : Rat))) :
    ∃ x : Rat, 0 ≤ x ∧ x ≤ R ∧ ∀ k : Nat, m < ratAbs (x - uniformLevel b R k) := by
  obtain ⟨x, h0, h1, h2⟩ := quant_resolution b hb R hR
  exact ⟨x, h0, h1, fun k => by have := h2 k; grind⟩

/-- **Decision theorem, class Q.**  `quantKills` returns `true` exactly when
`(rn/rd) / (2(2^b - 1)) > mn/md` over `Rat` (for `b ≥ 1` and nonzero
denominators). -/
theorem quantKills_iff (b rn rd mn md : Nat) (hb : 0 < b) (hrd : 0 < rd) (hmd : 0 < md) :
    quantKills b rn rd mn md = true ↔
      (mn : Rat) / md < (rn : Rat) / rd / (2 * ((2 ^ b - 1 : Nat) : Rat)) := by
  have hdec : quantKills b rn rd mn md = true ↔ 2 * (2 ^ b - 1) * mn * rd < rn * md := by
    unfold quantKills
    simp only [Bool.and_eq_true, bne_zero_iff, decide_eq_true_eq]
    constructor
    · intro h; exact h.2
    · intro h; exact ⟨⟨⟨hb, hrd⟩, hmd⟩, h⟩
  rw [hdec]
  have hM := one_le_two_pow_sub_one hb
  generalize 2 ^ b - 1 = M at *
  have hden : 0 < rd * (2 * M) := Nat.mul_pos hrd (by omega)
  have hrd' := natCast_pos_rat hrd
  have hM' := natCast_pos_rat (show 0 < M by omega)
  have e : (rn : Rat) / rd / (2 * (M : Rat)) = (rn : Rat) / ((rd * (2 * M) : Nat) : Rat) := by
    rw [Rat.natCast_mul, Rat.natCast_mul]
    first
      | grind
      | (push_cast; grind)
      | (rw [Rat.div_def, Rat.div_def, Rat.div_def, Rat.inv_mul_rev, Rat.inv_mul_rev]; push_cast; grind)
  rw [e, natFrac_lt_natFrac_iff hmd hden]
  have e3 : mn * (rd * (2 * M)) = 2 * M * mn * rd := by
    first | grind | (simp only [Nat.mul_comm, Nat.mul_assoc, Nat.mul_left_comm])
  rw [e3]

/-- **Soundness, class Q.**  If `quantKills` says `true`, some input in the
range `[0, rn/rd]` is farther than `mn/md` from every level of the `b`-bit
uniform grid. -/
theorem quantKills_sound {b rn rd mn md : Nat} (h : quantKills b rn rd mn md = true) :
    ∃ x : Rat, 0 ≤ x ∧ x ≤ (rn : Rat) / rd ∧
      ∀ k : Nat, (mn : Rat) / md < ratAbs (x - uniformLevel b ((rn : Rat) / rd) k) := by
  have h' := h
  unfold quantKills at h'
  simp only [Bool.and_eq_true, bne_zero_iff] at h'
  have hb := h'.1.1.1
  have hrd := h'.1.1.2
  have hmd := h'.1.2
  have hR : (0 : Rat) ≤ (rn : Rat) / rd := by
    rw [Rat.div_def]
    exact Rat.mul_nonneg Rat.natCast_nonneg (Rat.le_of_lt (Rat.inv_pos.mpr (natCast_pos_rat hrd)))
  exact quant_resolution_gt b hb _ hR _ ((quantKills_iff b rn rd mn md hb hrd hmd).mp h)

/-! Concrete checks. -/

-- 8 bits on [0, 1]: resolution 1/510 > 1/1000
example : quantKills 8 1 1 1 1000 = true := by decide
example : quantKills 8 1 1 1 100 = false := by decide
-- boundary: 1 bit on [0, 1] has resolution exactly 1/2
example : quantKills 1 1 1 1 2 = false := by decide
example : quantKills 1 1 1 1 3 = true := by decide
example : quantKills 0 1 1 1 1 = false := by decide
example : quantKills 4 1 0 1 1 = false := by decide

end Obstacles

end
