## tests/net
