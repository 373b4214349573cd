"""The scheme editor's form: facts, rules, values, to and from a Scheme."""
