"""WSGI entry point: settings from INTAKE_WORKSPACE / INTAKE_DATABASE_URL."""

from intake import create_app
from intake.db import Database
from intake.migrate import upgrade_database
from intake.settings import Settings

settings = Settings.from_environ()
database = Database(settings.database_url, key_file=settings.key_file)
upgrade_database(database.engine)
app = create_app(settings, database=database)
