from patchlint.integrations.cli import main

main(prog_name="patchlint")
