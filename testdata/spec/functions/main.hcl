locals {
  csv   = csvdecode("name,tier\nacme,gold\nbeta,silver\n")
  words = split(",", "b,a,c,a")
}

organization "f" {
  custom_data = {
    lower      = lower("ABC")
    upper      = upper("abc")
    format     = format("%s-%03d", "x", 7)
    formatlist = formatlist("<%s>", ["a", "b"])
    join       = join("+", sort(distinct(local.words)))
    replace    = replace("a.b.c", ".", "/")
    regex      = regex("^(\\w+)@", "bob@x.com")
    regexall   = length(regexall("a", "banana"))
    trims      = [trimspace("  x "), trimprefix("pre-x", "pre-"), trimsuffix("x.hcl", ".hcl"), chomp("line\n")]
    substr     = substr("abcdef", 1, 3)
    title      = title("hello world")
    indent     = indent(2, "a\nb")
    strrev     = strrev("abc")
    length     = length(local.words)
    concat     = concat(["a"], ["b"])
    contains   = contains(local.words, "c")
    flatten    = flatten([["a"], ["b", ["c"]]])
    keys       = keys({ b = 1, a = 2 })
    values     = values({ b = 1, a = 2 })
    lookup     = lookup({ a = "x" }, "b", "fallback")
    merge      = merge({ a = 1 }, { b = 2 })
    sets       = [setunion(["a"], ["b"]), setintersection(["a", "b"], ["b"]), setsubtract(["a", "b"], ["a"])]
    setproduct = length(setproduct(["a", "b"], ["c"]))
    slice      = slice(["a", "b", "c"], 1, 3)
    reverse    = reverse([1, 2, 3])
    range      = range(3)
    element    = element(["a", "b"], 3)
    coalesce   = coalesce(null, "first")
    coalescel  = coalescelist([], ["x"])
    compact    = compact(["a", "", "b"])
    zipmap     = zipmap(["k"], ["v"])
    chunklist  = chunklist([1, 2, 3], 2)
    conv       = [tostring(1), tonumber("2"), tobool("true"), tolist(toset(["a"])), tomap({ a = "b" })]
    json       = jsondecode(jsonencode({ a = [1, true] }))
    csv        = local.csv[1].tier
    numbers    = [min(3, 1, 2), max(3, 1, 2), abs(-4), ceil(1.2), floor(1.8), parseint("ff", 16)]
    try        = try(local.csv[9].tier, "none")
    can        = can(local.csv[9].tier)
    starts     = [startswith("abc", "ab"), endswith("abc", "bc"), strcontains("abc", "x")]
  }
}
