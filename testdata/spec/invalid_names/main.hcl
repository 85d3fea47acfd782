locals {
  long = join("", [for i in range(129) : "x"])
}

permission "read reports" {}
permission "" {}

permission "long" {
  description = join("", [for i in range(257) : "d"])
}

role "r" {
  type = "user"
}

organization "o" {
  name = local.long

  member "not an email@x" {}
  member "9lives" {}
  member "id:" {}
  member "bad@domain" {}
  application "id:" {}
  application "" {}
  jit {
    email_domains = ["@acme.com", "", "${local.long}.com", "ok.com"]
  }
}
