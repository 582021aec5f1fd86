"""Administration: institution config files and the admin CLI (`python -m infra --help`)."""
