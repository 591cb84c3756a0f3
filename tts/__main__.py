from tts.cli import main

main()
