permission "read:reports" {}
