module

prelude
public import Fix.Basic

@[expose] public section

namespace Fix

/-- Decision function: kills when `a > b`, i.e. `b + 1 ≤ a`. -/
def fixKills (a b : Nat) : Bool := le (Nat.succ b) a

/-- Decision theorem (a toy stand-in for an `_iff`): one concrete kill. -/
theorem fixKills_iff : Eq (fixKills 3 2) true := rfl

/-- Gate theorem (a toy): at the boundary `a = b` nothing is killed. -/
theorem fix_gate : Eq (fixKills 2 2) false := rfl

end Fix

end
