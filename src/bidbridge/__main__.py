"""python -m bidbridge"""

from bidbridge.cli import main

main()
