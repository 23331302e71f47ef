"""信易+ benefits and the merchants that offer them."""
