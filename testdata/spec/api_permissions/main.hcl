role "r" {
  api_permissions = {
    "https://api.example.com" = ["read:x", "", "write x"]
    ""                        = ["read:x"]
  }
}

role "s" {
  api_permissions = ["not", "a", "map"]
}
