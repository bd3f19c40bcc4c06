module

prelude
public import Init.Prelude

/-!
# A tiny prelude-only library for the trust-chain tests

It imports only `Init.Prelude`, so the WebAssembly Lean checks each file in seconds
instead of minutes. (This docstring says sorry, axiom and native_decide: comments are fine.)
-/

@[expose] public section

namespace Fix

/-- `a ≤ b` as a Bool, by the kernel-accelerated `Nat.ble`. -/
def le (a b : Nat) : Bool := Nat.ble a b

theorem le_zero : Eq (le 0 5) true := rfl

end Fix

end
