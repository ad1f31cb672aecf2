from toygan_tui.cli import run

run()
