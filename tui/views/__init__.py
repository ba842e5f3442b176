"""What the screens show, assembled from the services without Textual.

Each module turns service results into rows and lines for one screen, so the
wording can be tested without a terminal and the screens stay about layout and keys.
"""
