"""What both controllers need and neither owns: settings, problem+json errors, the app skeleton.
The controllers import this and ``agent``; they never import each other."""
