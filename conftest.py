pytest_plugins = ["ordning_shared.testing"]
