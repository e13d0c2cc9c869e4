"""A model server that speaks TF Serving's REST API over an ``l2e-export`` models directory (or
any SavedModels in TF Serving's layout), for machines without ``tensorflow_model_server``;
``python -m export.server`` (console script ``l2e-model-server``).

- :mod:`export.server.model_config`: reading ``models.config`` (text-format ModelServerConfig).
- :mod:`export.server.servables`: loaded versions, the version policy, polling.
- :mod:`export.server.json_tensors`: TF Serving's JSON predict format, both ways.
- :mod:`export.server.rest_server`: the REST API over HTTP.
- :mod:`export.server.__main__`: the command line.
"""
