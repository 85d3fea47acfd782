# orgsync settings, variables and locals shared by the other files.

orgsync {
  exclusive {
    permissions   = true # the permission list below is the whole template
    roles         = true
    organizations = false # customer organizations are also created by the app at sign-up
  }
  missing_users = "error"
}

variable "customers" {
  description = "Customer organizations: key => display name and plan tier"
  type = map(object({
    name = string
    tier = string
  }))
  default = {
    globex  = { name = "Globex Corporation", tier = "growth" }
    initech = { name = "Initech", tier = "starter" }
  }
}

variable "support_staff" {
  description = "Support engineers who get the member role in the Example SaaS organization"
  type        = list(string)
  default     = ["sam@saas.example", "sasha@saas.example"]
}

locals {
  api          = "https://api.saas.example.com"
  staff_domain = "saas.example"
}
