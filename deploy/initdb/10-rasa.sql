-- Rasa's tracker store lives in its own database beside the API's.
CREATE DATABASE rasa OWNER signpost;
