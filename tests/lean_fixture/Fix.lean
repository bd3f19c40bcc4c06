module

prelude
public import Fix.Gate
