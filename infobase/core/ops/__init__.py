"""Running Infobase in production: health checks, backups, the web server and the scheduler."""
