from escalade.cli.main import main

main()
