"""Sites the tests and benchmarks serve on 127.0.0.1: a generated bureau site of any size
and a site that misbehaves in every way. The demo's own sample sites stay in
`crawler/sample_site/`."""
