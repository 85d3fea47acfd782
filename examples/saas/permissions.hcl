# Organization permissions (Logto organization scopes).

permission "read:projects" {
  description = "View projects and their settings"
}

permission "write:projects" {
  description    = "Create, edit and archive projects"
  previous_names = ["edit:projects"]
}

permission "read:reports" {
  description = "View usage and analytics reports"
}

permission "export:reports" {
  description = "Download reports as CSV"
}

permission "invite:member" {
  description = "Invite people to the organization"
}

permission "remove:member" {
  description = "Remove people from the organization"
}

permission "manage:billing" {
  description = "Change the plan and payment methods"
  lifecycle {
    prevent_destroy = true
  }
}

permission "manage:settings" {
  description = "Change organization settings, SSO and MFA"
}
