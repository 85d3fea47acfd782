# Organization roles. User roles go to members, MachineToMachine roles to applications.

role "admin" {
  description = "Full access to the organization"
  permissions = [
    "read:projects", "write:projects",
    "read:reports", "export:reports",
    "invite:member", "remove:member",
    "manage:billing", "manage:settings",
  ]
  api_permissions = {
    (local.api) = ["read:reports", "write:reports"]
  }
}

role "member" {
  description = "Day-to-day work on projects"
  permissions = ["read:projects", "write:projects", "read:reports"]
  api_permissions = {
    (local.api) = ["read:reports"]
  }
}

role "billing" {
  description = "Manage the subscription and read reports"
  permissions = ["manage:billing", "read:reports", "export:reports"]
}

role "automation" {
  description = "CI and integrations"
  type        = "MachineToMachine"
  permissions = ["read:projects", "write:projects"]
  api_permissions = {
    (local.api) = ["read:reports", "write:reports"]
  }
}
