from crm.cli import app

app(prog_name="python -m crm")
