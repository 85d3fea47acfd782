permission "p" {
  description = ["not", "a", "string"]
}

role "r" {
  permissions = "p"
}

role "s" {
  permissions = ["p", ["nested"], null]
}

organization "o" {
  custom_data  = "a string"
  mfa_required = "maybe"
}

organization "list" {
  for_each = ["a", "b"]
}

organization "nullfe" {
  for_each = null
}
