module

public import Obstacles.Basic

/-!
# Class B: budget infeasibility

A rank-`r` factorisation of an `m × n` layer stores a factor `U` with `m` rows
of length `r` and a factor `V` with `r` rows of length `n`.  It stores
`r·m + r·n = r(m + n)` numbers, so if `r(m + n)` exceeds the budget `β·m·n`
(a fraction `β` of the dense parameter count) no rank-`r` factorisation fits.
-/

@[expose] public section

namespace Obstacles

/-- A rank-`r` factorisation `W ≈ U V` of an `m × n` layer, with the factors
stored as lists of rows: `U` is `m × r`, `V` is `r × n`. -/
structure Factorisation (m n r : Nat) where
  U : List (List Rat)
  V : List (List Rat)
  U_rows : U.length = m
  U_cols : ∀ row ∈ U, row.length = r
  V_rows : V.length = r
  V_cols : ∀ row ∈ V, row.length = n

/-- Number of entries of one row (a structural `List.length`). -/
def rowLength : List Rat → Nat
  | [] => 0
  | _ :: xs => rowLength xs + 1

theorem rowLength_eq (row : List Rat) : rowLength row = row.length := by
  induction row with
  | nil => rfl
  | cons x xs ih => simp only [rowLength, List.length_cons, ih]

/-- Number of stored entries of a matrix given as a list of rows. -/
def entryCount : List (List Rat) → Nat
  | [] => 0
  | row :: rows => rowLength row + entryCount rows

/-- Number of values a factorisation stores: the entries of `U` and of `V`. -/
def Factorisation.storedNumbers {m n r : Nat} (f : Factorisation m n r) : Nat :=
  entryCount f.U + entryCount f.V

/-- Decision function for class B.  With rank `r`, an `m × n` layer and a
budget fraction `β = bn/bd` of the dense `m·n` parameters, returns `true`
exactly when `r(m + n) > β·m·n`, checked on naturals as
`r * (m + n) * bd > bn * m * n`.  Returns `false` when `bd = 0`. -/
def budgetKills (r m n bn bd : Nat) : Bool :=
  bd != 0 && decide (bn * m * n < r * (m + n) * bd)

theorem entryCount_eq (M : List (List Rat)) (c : Nat) (h : ∀ row ∈ M, row.length = c) :
    entryCount M = M.length * c := by
  induction M with
  | nil => simp [entryCount]
  | cons row rows ih =>
    have hrow : row.length = c := h row List.mem_cons_self
    have ih := ih (fun x hx => h x (List.mem_cons_of_mem _ hx))
    simp only [entryCount, rowLength_eq, List.length_cons, hrow, ih, Nat.succ_mul]
    omega

/-- A rank-`r` factorisation of an `m × n` layer stores exactly `r(m + n)` numbers. -/
theorem storedNumbers_eq {m n r : Nat} (f : Factorisation m n r) :
    f.storedNumbers = r * (m + n) := by
  unfold Factorisation.storedNumbers
  rw [entryCount_eq f.U r f.U_cols, entryCount_eq f.V n f.V_cols, f.U_rows, f.V_rows,
    Nat.mul_add, Nat.mul_comm m r]

/-- **Gate theorem, class B (budget infeasibility).**  Kills a rank-`r`
low-rank plan for an `m × n` layer whose factors cannot fit the parameter
budget: if `r(m + n) > β·m·n`, no rank-`r` factorisation `U` (`m × r`),
`V` (`r × n`) stores at most `β·m·n` numbers. -/
theorem budget_infeasible {m n r : Nat} {β : Rat}
    (h : β * m * n < (r : Rat) * ((m : Rat) + n)) :
    ¬ ∃ f : Factorisation m n r, (f.storedNumbers : Rat) ≤ β * m * n := by
  rintro ⟨f, hf⟩
  rw [storedNumbers_eq, Rat.natCast_mul, Rat.natCast_add] at hf
  grind

/-- **Decision theorem, class B.**  `budgetKills` returns `true` exactly when
`r(m + n) > (bn/bd)·m·n` over `Rat` (for `bd > 0`). -/
theorem budgetKills_iff (r m n bn bd : Nat) (hbd : 0 < bd) :
    budgetKills r m n bn bd = true ↔
      (bn : Rat) / bd * m * n < (r : Rat) * ((m : Rat) + n) := by
  have hbd' := natCast_pos_rat hbd
  have hdec : budgetKills r m n bn bd = true ↔ bn * m * n < r * (m + n) * bd := by
    unfold budgetKills
    simp only [Bool.and_eq_true, bne_zero_iff, decide_eq_true_eq]
    constructor
    · intro h; exact h.2
    · intro h; exact ⟨hbd, h⟩
  rw [hdec, ← Rat.mul_lt_mul_right hbd']
  have e1 : (bn : Rat) / bd * m * n * bd = bn * m * n := by grind
  rw [e1, ← Rat.natCast_lt_natCast]
  push_cast
  exact Iff.rfl

/-- **Soundness, class B.**  If `budgetKills` says `true`, no rank-`r`
factorisation of an `m × n` layer fits a budget of `(bn/bd)·m·n` numbers. -/
theorem budgetKills_sound {r m n bn bd : Nat} (h : budgetKills r m n bn bd = true) :
    ¬ ∃ f : Factorisation m n r, (f.storedNumbers : Rat) ≤ (bn : Rat) / bd * m * n := by
  have hbd : 0 < bd := by
    unfold budgetKills at h; simp only [Bool.and_eq_true, bne_zero_iff] at h; exact h.1
  exact budget_infeasible ((budgetKills_iff r m n bn bd hbd).mp h)

/-! Concrete checks. -/

-- rank 65 on 1024 × 1024 at 1/8 budget: 65·2048 > 131072
example : budgetKills 65 1024 1024 1 8 = true := by decide
-- boundary: rank 64 stores exactly 131072 = (1/8)·1024·1024 numbers
example : budgetKills 64 1024 1024 1 8 = false := by decide
example : budgetKills 1 10 10 1 2 = false := by decide
example : budgetKills 6 10 10 1 2 = true := by decide
example : budgetKills 1 10 10 1 0 = false := by decide

end Obstacles

end
