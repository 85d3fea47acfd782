role "admin" {}
role "bot" {
  type = "MachineToMachine"
}

organization "acme" {
  member "alice@acme.com" {
    roles = ["admin", "bot"]
  }
  application "ci" {
    roles = ["admin"]
  }
  jit {
    roles = ["bot"]
  }
}
