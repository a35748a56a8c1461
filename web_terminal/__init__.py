"""The handheld web terminal: static files (plain ES modules, no build step) that the edge serves
under /ui/. A package only so that a wheel carries them and `importlib.resources` finds them."""
