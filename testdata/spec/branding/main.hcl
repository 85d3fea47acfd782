orgsync {
  missing_users = "invite"
  invitation {
    send_email  = true
    link        = "https://app.acme.com/invitations/{id}"
    expiry_days = 14
  }
}

role "member" {}

organization "acme" {
  branding {
    logo_url         = "https://cdn.acme.com/logo.svg"
    dark_logo_url    = "https://cdn.acme.com/logo-dark.svg"
    favicon_url      = "https://cdn.acme.com/favicon.ico"
    dark_favicon_url = "data:image/png;base64,iVBORw0KGgo="
  }
  color {
    primary      = "#5D34F2"
    dark_primary = "#abc"
    dark_mode    = true
  }
  custom_css = file("acme.css")

  jit {
    email_domains  = ["acme.com"]
    roles          = ["member"]
    sso_connectors = ["acme-okta", "acme-azure", "acme-okta"]
  }
}

organization "globex" {
  branding {}
  color {
    primary = "#000000"
  }
  custom_css = ""

  jit {
    email_domains = ["globex.com"]
  }
}

organization "initech" {
  jit {
    sso_connectors = []
  }
}
