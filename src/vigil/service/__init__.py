"""`vigil serve`: cameras in, events, alerts and clips out (the supervisor, API and UI build on this)."""
