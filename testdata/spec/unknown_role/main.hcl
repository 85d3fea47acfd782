role "admin" {}
role "bot" {
  type = "MachineToMachine"
}

organization "acme" {
  member "alice@acme.com" {
    roles = ["admn"]
  }
  application "ci" {
    roles = ["bots"]
  }
  jit {
    roles = ["nobody"]
  }
}
