"""信易+ benefits and who may use them."""
