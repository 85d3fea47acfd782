package main

// deps_tmp.go pins module dependencies until the packages that use them land.
import (
 _ "github.com/hashicorp/hcl/v2"
 _ "github.com/hashicorp/hcl/v2/hclwrite"
 _ "github.com/hashicorp/hcl/v2/gohcl"
 _ "github.com/hashicorp/hcl/v2/hclsyntax"
 _ "github.com/hashicorp/hcl/v2/ext/dynblock"
 _ "github.com/hashicorp/hcl/v2/ext/typeexpr"
 _ "github.com/zclconf/go-cty/cty"
 _ "github.com/zclconf/go-cty/cty/function/stdlib"
 _ "github.com/zclconf/go-cty/cty/json"
 _ "github.com/google/go-cmp/cmp"
 _ "github.com/hashicorp/go-retryablehttp"
 _ "github.com/rs/zerolog"
 _ "gopkg.in/yaml.v3"
)
func main(){}
