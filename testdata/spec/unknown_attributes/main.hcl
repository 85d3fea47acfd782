permission "p" {
  descripton = "typo"
}

role "r" {
  permission = ["p"]
}

organization "o" {
  members "a@b.co" {}
}

resource "x" {}
