"""dossier: draft, pre-check and review 政务信息化项目 dossiers against local regulations."""

__version__ = "0.1.0"
