"""Pages and endpoints shared by every part of the site: health, language, errors."""
