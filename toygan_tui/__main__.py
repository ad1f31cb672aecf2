from toygan_tui.cli import main

main()
