"""`dossier serve`: the reviewer's desk in a browser (upload page, report page, downloads)
and the JSON API over the same check engine. See `dossier.web.app`."""
