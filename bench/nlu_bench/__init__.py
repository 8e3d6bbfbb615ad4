"""The parts of `bench/nlu_eval.py`: data, pipeline CV, the served configuration, DIET, report.

Not called `bench/nlu`: the script runs with `bench/` first on sys.path, where a package named
`nlu` would shadow the project's own `nlu` package.
"""
