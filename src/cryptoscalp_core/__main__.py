from cryptoscalp_core.cli import main

main()
