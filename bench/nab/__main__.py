from bench.nab.run import main

raise SystemExit(main())
