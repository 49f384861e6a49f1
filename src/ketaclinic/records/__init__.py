"""Records: the Django apps that store clinical facts and the services that change them."""
