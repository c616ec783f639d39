"""The platform's own implementation of the names Azure ML scoring scripts import (AMLRequest, AMLResponse, rawhttp)."""
