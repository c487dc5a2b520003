from vexora_sandbox.cli import main

raise SystemExit(main())
