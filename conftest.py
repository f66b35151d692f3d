pytest_plugins = ["publica.testing"]
