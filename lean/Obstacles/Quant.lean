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
arbitrary placement reaches `R/2^(b+1)`.  That weaker bound is proved here for
arbitrary levels as `quant_resolution_any_levels`, by pigeonhole.)
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

theorem one_le_steps_rat {b : Nat} (hb : 0 < b) : (1 : Rat) ≤ ((2 ^ b - 1 : Nat) : Rat) :=
  Rat.natCast_le_natCast.mpr (one_le_two_pow_sub_one hb)

/-- Every point of the uniform grid with spacing `h ≥ 0` (the points `k·h`) is
at distance at least `h/2` from the midpoint `h/2` of the first cell. -/
theorem half_le_dist_grid {h : Rat} (hh : 0 ≤ h) (k : Nat) :
    h / 2 ≤ ratAbs (h / 2 - (k : Rat) * h) := by
  cases k with
  | zero =>
    have : (((0 : Nat) : Rat)) * h = 0 := by push_cast; grind
    rw [this, show h / 2 - 0 = h / 2 by grind, ratAbs_of_nonneg (by grind)]
    grind
  | succ k =>
    have hk : (1 : Rat) * h ≤ ((k + 1 : Nat) : Rat) * h := by
      apply Rat.mul_le_mul_of_nonneg_right _ hh
      have := Rat.natCast_le_natCast.mpr (show 1 ≤ k + 1 by omega)
      exact this
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
  have e1 : R / (2 * N) = R / N / 2 := by grind
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

/-! ## Arbitrary levels: a pigeonhole bound -/

/-- The points of `ps` at distance at least `d` from `ℓ`. -/
def farFrom (d ℓ : Rat) : List Rat → List Rat
  | [] => []
  | p :: ps => if d ≤ ratAbs (p - ℓ) then p :: farFrom d ℓ ps else farFrom d ℓ ps

theorem mem_farFrom {d ℓ x : Rat} : ∀ {ps : List Rat}, x ∈ farFrom d ℓ ps → x ∈ ps ∧ d ≤ ratAbs (x - ℓ)
  | [], h => by simp [farFrom] at h
  | p :: ps, h => by
    unfold farFrom at h
    by_cases hp : d ≤ ratAbs (p - ℓ)
    · rw [if_pos hp] at h
      rcases List.mem_cons.mp h with rfl | h'
      · exact ⟨List.mem_cons_self, hp⟩
      · have := mem_farFrom h'
        exact ⟨List.mem_cons_of_mem _ this.1, this.2⟩
    · rw [if_neg hp] at h
      have := mem_farFrom h
      exact ⟨List.mem_cons_of_mem _ this.1, this.2⟩

theorem farFrom_pairwise {d ℓ s : Rat} : ∀ {ps : List Rat},
    ps.Pairwise (fun p q => s ≤ ratAbs (p - q)) →
      (farFrom d ℓ ps).Pairwise (fun p q => s ≤ ratAbs (p - q))
  | [], _ => by simp [farFrom]
  | p :: ps, h => by
    rw [List.pairwise_cons] at h
    have ih := farFrom_pairwise (d := d) (ℓ := ℓ) h.2
    unfold farFrom
    by_cases hp : d ≤ ratAbs (p - ℓ)
    · rw [if_pos hp, List.pairwise_cons]
      exact ⟨fun q hq => h.1 q (mem_farFrom hq).1, ih⟩
    · rw [if_neg hp]; exact ih

/-- In a list of points pairwise at least `s ≥ 2d` apart, at most one point is
closer than `d` to `ℓ`. -/
theorem length_le_farFrom {d ℓ s : Rat} (hs : 2 * d ≤ s) : ∀ {ps : List Rat},
    ps.Pairwise (fun p q => s ≤ ratAbs (p - q)) →
      ps.length ≤ (farFrom d ℓ ps).length + 1
  | [], _ => by simp
  | q :: qs, h => by
    rw [List.pairwise_cons] at h
    have ih := length_le_farFrom (ℓ := ℓ) hs h.2
    unfold farFrom
    by_cases hq : d ≤ ratAbs (q - ℓ)
    · rw [if_pos hq]; simp only [List.length_cons]; omega
    · rw [if_neg hq]
      have hall : ∀ q' ∈ qs, d ≤ ratAbs (q' - ℓ) := by
        intro q' hq'
        have h1 := h.1 q' hq'
        have tri := ratAbs_add_le (q - ℓ) (ℓ - q')
        rw [show q - ℓ + (ℓ - q') = q - q' by grind, ratAbs_sub_comm ℓ q'] at tri
        grind
      have keep : ∀ (rs : List Rat), (∀ q' ∈ rs, d ≤ ratAbs (q' - ℓ)) →
          (farFrom d ℓ rs).length = rs.length := by
        intro rs
        induction rs with
        | nil => intro _; rfl
        | cons r rs ihr =>
          intro hr
          unfold farFrom
          rw [if_pos (hr r List.mem_cons_self)]
          simp only [List.length_cons]
          rw [ihr (fun q' hq' => hr q' (List.mem_cons_of_mem _ hq'))]
      rw [keep qs hall]
      simp only [List.length_cons]
      omega

/-- Pigeonhole: with fewer levels than probe points spaced at least `2d`
apart, some probe point is at distance at least `d` from every level. -/
theorem exists_far_probe {d s : Rat} (hs : 2 * d ≤ s) : ∀ (levels ps : List Rat),
    ps.Pairwise (fun p q => s ≤ ratAbs (p - q)) → levels.length < ps.length →
      ∃ p ∈ ps, ∀ ℓ ∈ levels, d ≤ ratAbs (p - ℓ)
  | [], ps, _, hlen => by
    cases ps with
    | nil => simp at hlen
    | cons p _ => exact ⟨p, List.mem_cons_self, fun ℓ hℓ => by simp at hℓ⟩
  | ℓ :: ls, ps, hp, hlen => by
    have hl := length_le_farFrom (ℓ := ℓ) hs hp
    simp only [List.length_cons] at hlen
    obtain ⟨p, hpm, hfar⟩ :=
      exists_far_probe hs ls (farFrom d ℓ ps) (farFrom_pairwise hp) (by omega)
    have hm := mem_farFrom hpm
    refine ⟨p, hm.1, ?_⟩
    intro ℓ' hℓ'
    rcases List.mem_cons.mp hℓ' with rfl | h'
    · exact hm.2
    · exact hfar ℓ' h'

/-- The probe points `0, h, 2h, …, n·h`. -/
def gridProbes (h : Rat) : Nat → List Rat
  | 0 => [0]
  | n + 1 => ((n + 1 : Nat) : Rat) * h :: gridProbes h n

theorem gridProbes_length (h : Rat) (n : Nat) : (gridProbes h n).length = n + 1 := by
  induction n with
  | zero => rfl
  | succ n ih => simp only [gridProbes, List.length_cons, ih]

theorem natCast_succ_rat (n : Nat) : ((n + 1 : Nat) : Rat) = (n : Rat) + 1 := by
  push_cast; rfl

theorem mem_gridProbes {h : Rat} (hh : 0 ≤ h) (n : Nat) :
    ∀ x ∈ gridProbes h n, 0 ≤ x ∧ x ≤ (n : Rat) * h := by
  induction n with
  | zero =>
    intro x hx
    simp only [gridProbes, List.mem_singleton] at hx
    subst hx
    have : ((0 : Nat) : Rat) * h = 0 := by push_cast; grind
    rw [this]; grind
  | succ n ih =>
    intro x hx
    rw [natCast_succ_rat]
    have hn : (0 : Rat) ≤ (n : Rat) * h := Rat.mul_nonneg Rat.natCast_nonneg hh
    simp only [gridProbes] at hx
    rcases List.mem_cons.mp hx with rfl | h'
    · rw [natCast_succ_rat]; grind
    · have := ih x h'; grind

theorem gridProbes_pairwise {h : Rat} (hh : 0 ≤ h) (n : Nat) :
    (gridProbes h n).Pairwise (fun p q => h ≤ ratAbs (p - q)) := by
  induction n with
  | zero => simp [gridProbes]
  | succ n ih =>
    simp only [gridProbes]
    rw [List.pairwise_cons]
    refine ⟨fun q hq => ?_, ih⟩
    have := mem_gridProbes hh n q hq
    rw [natCast_succ_rat, ratAbs_of_nonneg (by grind)]
    grind

/-- Quantisation resolution for ARBITRARY levels (no uniform-grid assumption):
any `N ≥ 1` levels, wherever they are placed, leave some input of `[0, R]` at
distance at least `R/(2N)` from all of them.  With `N = 2^b` levels this is
`R/2^(b+1)`, about half the uniform-grid bound of `quant_resolution`, so a
non-uniform `b`-bit quantiser can improve on the uniform grid by at most a
factor of about two. -/
theorem quant_resolution_any_levels (levels : List Rat) (hn : 0 < levels.length)
    (R : Rat) (hR : 0 ≤ R) :
    ∃ x : Rat, 0 ≤ x ∧ x ≤ R ∧ ∀ ℓ ∈ levels, R / (2 * (levels.length : Rat)) ≤ ratAbs (x - ℓ) := by
  have hN : (0 : Rat) < (levels.length : Rat) := natCast_pos_rat hn
  have hN0 : (levels.length : Rat) ≠ 0 := by grind
  have hh : 0 ≤ R / (levels.length : Rat) := by
    rw [Rat.div_def]; exact Rat.mul_nonneg hR (Rat.le_of_lt (Rat.inv_pos.mpr hN))
  have hs : 2 * (R / (2 * (levels.length : Rat))) ≤ R / (levels.length : Rat) := by
    rw [Rat.div_def, Rat.div_def, Rat.inv_mul_rev]; grind
  obtain ⟨p, hp, hfar⟩ := exists_far_probe hs levels (gridProbes (R / levels.length) levels.length)
    (gridProbes_pairwise hh _) (by rw [gridProbes_length]; omega)
  have hrange := mem_gridProbes hh _ p hp
  have e : (levels.length : Rat) * (R / levels.length) = R := by
    rw [Rat.mul_comm]; exact Rat.div_mul_cancel hN0
  exact ⟨p, hrange.1, by grind, hfar⟩

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
    grind
  rw [e, natFrac_lt_natFrac_iff hmd hden]
  have e3 : mn * (rd * (2 * M)) = 2 * M * mn * rd := by grind
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
