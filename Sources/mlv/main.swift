import MLVCommands

MLVMain.main()
